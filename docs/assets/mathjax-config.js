// MathJax 2, bundled into the site by docs/build.sh and loaded once per page (mkdocs.yml's
// extra_javascript).  pymdownx.arithmatex writes \( \) and \[ \]; the notebooks' Markdown
// cells keep Jupyter's $ $ and $$ $$.
window.MathJax = {
  tex2jax: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
  },
  messageStyle: "none",
};
