#version 330 core
#include "common.glsl"
uniform mat4 u_model;

in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;      // x = around (0..1), y = height fraction on the side, 2 on the top cap

out vec3 v_world;
out vec3 v_normal;
out vec2 v_uv;
out vec3 v_local;

void main() {
    vec4 world = u_model * vec4(in_position, 1.0);
    v_world = world.xyz;
    v_normal = mat3(u_model) * in_normal;
    v_uv = in_uv;
    v_local = in_position;
    gl_Position = u_view_proj * world;
}
