#version 330 core
// The figure's depth-only pass: the same cut as figure.frag while it materialises, nothing else.
#include "figure_reveal.glsl"
in float v_height;
void main() {
    if (figure_reveal(v_height) < 0.0) discard;
}
