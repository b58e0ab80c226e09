"""Understanding a shopper's words and finding products for them, offline on the CPU."""
