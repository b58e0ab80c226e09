#version 330 core
#include "common.glsl"
uniform float u_extent;
in vec2 in_position;
out vec3 v_world;
void main() {
    v_world = vec3(in_position.x * u_extent, 0.0, in_position.y * u_extent);
    gl_Position = u_view_proj * vec4(v_world, 1.0);
}
