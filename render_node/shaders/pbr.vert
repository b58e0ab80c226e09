#version 330 core
#include "common.glsl"
uniform mat4 u_model;
uniform mat3 u_normal_matrix;

in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv0;
in vec2 in_uv1;
in vec4 in_tangent;
in vec4 in_color;

out vec3 v_world;
out vec3 v_normal;
out vec4 v_tangent;
out vec2 v_uv0;
out vec2 v_uv1;
out vec4 v_color;

void main() {
    vec4 world = u_model * vec4(in_position, 1.0);
    v_world = world.xyz;
    v_normal = u_normal_matrix * in_normal;
    v_tangent = vec4(mat3(u_model) * in_tangent.xyz, in_tangent.w);
    v_uv0 = in_uv0;
    v_uv1 = in_uv1;
    v_color = in_color;
    gl_Position = u_view_proj * world;
}
