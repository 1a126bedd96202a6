"""Exports for trading partners and spreadsheets: EPCIS 2.0 JSON-LD and CSV."""
