#version 330 core
// The figure's depth-only pass: the same cut as figure.frag while it materialises, nothing else.
uniform float u_presence;
in float v_height;
void main() {
    if (u_presence * 1.75 - v_height < 0.0) discard;
}
