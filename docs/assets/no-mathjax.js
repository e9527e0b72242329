// mkdocs-jupyter adds a MathJax <script> to every notebook page; the site already loads
// MathJax once (mkdocs.yml's extra_javascript), and a second copy stalls it.  This is that
// script: it does nothing.
