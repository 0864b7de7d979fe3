from netcomplaint.cli import main

if __name__ == "__main__":  # multiprocessing's spawn imports this module again in its workers
    main()
