#version 330 core
#include "common.glsl"
uniform mat4 u_model;
uniform float u_half_size;
in vec2 in_position;
out vec2 v_uv;
void main() {
    v_uv = in_position * 0.5 + 0.5;
    vec4 world = u_model * vec4(in_position.x * u_half_size, 0.002, in_position.y * u_half_size, 1.0);
    gl_Position = u_view_proj * world;
}
