#version 330 core
#include "common.glsl"
// A thin curtain of light rising from the focused plinth, added on top of the frame.
uniform vec3 u_ring_color;
uniform float u_focus;
in vec2 v_uv;
in vec3 v_normal;
in vec3 v_world;
out vec4 f_color;
void main() {
    vec3 v = normalize(u_camera_pos.xyz - v_world);
    float edge = pow(1.0 - abs(dot(normalize(v_normal), v)), 2.0);
    float fade = pow(1.0 - v_uv.y, 2.5);
    float scan = 0.55 + 0.45 * sin((v_uv.y * 18.0 - u_camera_pos.w * 1.5) * 6.2831853);
    float a = u_focus * fade * scan * (0.10 + 0.5 * edge);
    f_color = vec4(u_ring_color * a, 0.0);
}
