"""Pure code handling, no records: GS1 keys and check digits, scanned text, GS1 Digital Link,
lot and serial formats, and reading barcodes from pictures."""
