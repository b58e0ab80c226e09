"""The AI shopping assistant (issue 6); nothing here yet."""
