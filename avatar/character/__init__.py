"""The assistant's body: a procedural skeleton, a mesh built from primitives, and its animator.

Pure numpy, no OpenGL: the animator turns time steps, a mouth shape and commands into a
`scenes.graph.FigureNode` the render node draws.
"""
