from briefconv.cli import main

raise SystemExit(main())
