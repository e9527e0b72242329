#!/usr/bin/env bash
# Build the documentation site into site/ from docs/ and docs/notebooks/ (executed), in
# strict mode: a broken link, a missing page or a failing API reference stops the build.
#
#   python3 -m pip install -e ".[docs]" && bash docs/build.sh        # then open site/index.html
#
# Math is rendered by MathJax 2 copied into the site (no CDN at build or view time), taken
# from Debian's libjs-mathjax (apt-get install libjs-mathjax) or $MATHJAX_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
MATHJAX_DIR=${MATHJAX_DIR:-/usr/share/javascript/mathjax}
if [ ! -f "$MATHJAX_DIR/MathJax.js" ]; then
    echo "docs/build.sh: MathJax 2 not found in $MATHJAX_DIR" >&2
    echo "  install it with: apt-get install libjs-mathjax (or set MATHJAX_DIR)" >&2
    exit 1
fi
# the parts of MathJax that TeX input with CommonHTML output needs (2.7 MB of its 54)
dest=docs/assets/mathjax
rm -rf "$dest" && mkdir -p "$dest/config" "$dest/jax/input" "$dest/jax/output" "$dest/fonts/HTML-CSS/TeX"
cp "$MATHJAX_DIR/MathJax.js" "$dest/"
cp "$MATHJAX_DIR/config/TeX-AMS_CHTML.js" "$dest/config/"
cp -r "$MATHJAX_DIR/extensions" "$dest/"
cp -r "$MATHJAX_DIR/jax/element" "$dest/jax/"
cp -r "$MATHJAX_DIR/jax/input/TeX" "$dest/jax/input/"
cp -r "$MATHJAX_DIR/jax/output/CommonHTML" "$dest/jax/output/"
cp -r "$MATHJAX_DIR/fonts/HTML-CSS/TeX/woff" "$dest/fonts/HTML-CSS/TeX/"
# the notebooks' kernels import this checkout's chainrule (the one being documented)
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
python3 -m mkdocs build --strict "$@"
