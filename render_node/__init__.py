"""Renders a showroom session on the GPU (or Mesa llvmpipe) and hands frames to the encoder."""
