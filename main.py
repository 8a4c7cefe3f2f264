"""ImportDesk: start the desktop app or run a command (the commands: app/bootstrap.py).

The composition root: the command line and everything before a window come from
``app.bootstrap``; the desktop itself from ``ui.app``. Nothing in ``app/`` imports ``ui``.
"""
import gc
import sys


def main(argv: list[str] | None = None) -> int:
    from app import bootstrap

    args = bootstrap.build_parser().parse_args(argv)
    if args.command is not None:
        return bootstrap.run_command(args)
    clash = bootstrap.desktop_options_clash(args)
    if clash:
        print(clash, file=sys.stderr)
        return 2
    url = bootstrap.prepare_desktop(args)
    from ui.app import run

    return run(url, demo=args.demo, smoke=args.smoke, server=args.server,
               remembered_server=not bootstrap.explicit_local(args))


if __name__ == "__main__":
    # Start-up builds a few hundred thousand objects that live as long as the app (modules, classes,
    # mappers); collecting while they are built only walks them again and again (~0.2 s). Once its
    # first window is up the app collects on the UI thread only (ui.collector); a command
    # re-enables the collector at once (app.bootstrap.run_command).
    gc.disable()
    sys.exit(main())
