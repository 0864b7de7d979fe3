"""3GPP PM XML (TS 32.435 measCollecFile, TS 28.532 / 28.550 measDataFile): parse and load."""
