"""The shopping assistant: its character (`character/`), its brain (`brain/`) and its voice (`voice/`).

Sits beside `gestures/` in the data flow: it knows nothing of WebRTC or HTTP. The render node
feeds it text and a catalog, and takes back answers, scene actions, a pose and speech.
"""
