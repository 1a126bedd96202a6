from batchlabel.cli import main

main()
