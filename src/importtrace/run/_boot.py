# Started as `python [flags] _boot.py PKGDIR ...` for scripts, directories, zip files and -m, so that
# the interpreter loads exactly what `python script.py` loads (on 3.13, `python -c` also loads
# linecache).  importtrace.run._child undoes every trace of this file before the program runs.
# Under `python -x` the interpreter skips this file's first line: it must stay a comment.
if __name__ == "__main__":  # not when a tool imports every module of the package
    import sys

    sys.path.insert(0, sys.argv[1])
    from importtrace.run._child import main

    main()
