"""Personal-data protection: detect, pseudonymize, mask or block before a request leaves."""
