from netcomplaint.cli import main

main()
