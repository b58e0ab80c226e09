#version 330 core
// Top-down orthographic view of a product at rest, for its contact shadow.
uniform float u_half_size;
uniform float u_height;
in vec3 in_position;
out float v_height;
void main() {
    v_height = clamp(in_position.y / u_height, 0.0, 1.0);
    gl_Position = vec4(in_position.x / u_half_size, in_position.z / u_half_size, 0.0, 1.0);
}
