"""`python -m assistent`."""

from assistent.cli import main

raise SystemExit(main())
