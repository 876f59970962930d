"""`python -m bot` = the `ojo` command."""

from bot.cli import main

raise SystemExit(main())
