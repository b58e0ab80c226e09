"""Hand gestures from the viewer's camera (issue 5); nothing here yet."""
