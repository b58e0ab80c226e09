#version 330 core
#include "common.glsl"
uniform mat4 u_model;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec2 v_uv;
out vec3 v_normal;
out vec3 v_world;
void main() {
    vec4 world = u_model * vec4(in_position, 1.0);
    v_uv = in_uv;
    v_normal = mat3(u_model) * in_normal;
    v_world = world.xyz;
    gl_Position = u_view_proj * world;
}
