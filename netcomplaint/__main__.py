from netcomplaint.cli import main

if __name__ == "__main__":  # importable without running the command line
    main()
