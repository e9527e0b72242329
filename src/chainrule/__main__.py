"""``python -m chainrule``: the command line."""

import sys

try:
    from chainrule.cli import main
except KeyboardInterrupt:  # Ctrl-C while NumPy and chainrule are imported: no traceback
    print("chainrule: interrupted by SIGINT (Ctrl-C)", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
