"""Local stand-ins for upstream vendors: chaos servers and cassette replayers on loopback."""
