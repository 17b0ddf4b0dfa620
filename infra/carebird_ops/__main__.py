from carebird_ops.cli import main

raise SystemExit(main())
