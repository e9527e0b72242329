// MathJax 2 (bundled into the site by docs/build.sh): pymdownx.arithmatex writes \( \) and \[ \].
window.MathJax = {
  tex2jax: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true },
  messageStyle: "none",
  CommonHTML: { linebreaks: { automatic: true } },
};
