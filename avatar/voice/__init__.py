"""The assistant's voice: text to speech with espeak-ng, and the visemes that move its mouth."""
