"""WebRTC signaling, rooms and the thin client (issue 3); nothing here yet."""
