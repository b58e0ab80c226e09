"""Payment providers behind one interface: Stripe in production, an offline one for demos and tests."""
