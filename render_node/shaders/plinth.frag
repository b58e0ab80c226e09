#version 330 core
#include "common.glsl"
// The brand's holographic plinth: dark glossy body, glowing rims, drifting scan lines.
uniform vec3 u_ring_color;
uniform float u_glow;
uniform float u_focus;
uniform float u_radius;

in vec3 v_world;
in vec3 v_normal;
in vec2 v_uv;
in vec3 v_local;
out vec4 f_color;

void main() {
    vec3 n = normalize(v_normal);
    vec3 v = normalize(u_camera_pos.xyz - v_world);
    float n_dot_v = max(dot(n, v), 1e-3);
    float fresnel = pow(1.0 - n_dot_v, 4.0);
    vec3 body = vec3(0.045, 0.05, 0.06);
    vec3 color = body * env_diffuse(n) + env_radiance(reflect(-v, n), 2.0) * (0.04 + 0.5 * fresnel);
    float glow = u_glow * (0.35 + 0.65 * u_focus);
    float t = u_camera_pos.w;
    if (v_uv.y <= 1.0) {
        // Side: bright rim at the top and bottom edges, soft scan lines drifting upward.
        float rim = smoothstep(0.90, 1.0, v_uv.y) + 0.6 * smoothstep(0.08, 0.0, v_uv.y);
        // Only a plinth in focus animates, so the others can be cached as a still layer.
        float scan = 0.5 + 0.5 * sin((v_uv.y * 12.0 - t * 0.8 * u_focus) * 6.2831853);
        color += u_ring_color * glow * (rim * 1.4 + scan * scan * 0.08 * (0.3 + u_focus) + fresnel * 0.5);
    } else {
        // Top: a glowing edge ring and a faint inner circle the product stands in.
        float r = length(v_local.xz) / u_radius;
        float edge = smoothstep(0.93, 0.99, r) * (1.0 - smoothstep(0.99, 1.0, r));
        float inner = exp(-pow((r - 0.82) * 40.0, 2.0));
        color += u_ring_color * glow * (edge * 1.6 + inner * 0.35 * (0.3 + u_focus));
    }
    f_color = vec4(display(color), 1.0);
}
