#version 330 core
// The hand cursor: a small quad in clip space around where the viewer's hand points.
uniform vec2 u_centre;     // clip-space centre
uniform vec2 u_half_size;  // clip-space half extent (square in pixels)
in vec2 in_position;       // [-1, 1]^2
out vec2 v_local;
void main() {
    v_local = in_position;
    gl_Position = vec4(u_centre + in_position * u_half_size, 0.0, 1.0);
}
