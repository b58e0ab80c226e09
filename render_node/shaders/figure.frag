#version 330 core
#include "common.glsl"
#include "figure_reveal.glsl"
// The assistant as a hologram in the brand's ring colour: a translucent lit fill, a fresnel rim,
// scan lines drifting up, a faint flicker; premultiplied, so the dark face plate can hide what
// is behind it while the rest adds light. Written straight to display values, like holo.frag.
uniform vec3 u_color;
uniform float u_intensity;  // glow and flicker together
in vec3 v_world;
in vec3 v_normal;
flat in vec4 v_style;
in float v_fade;
in float v_height;
out vec4 f_color;
void main() {
    float reveal = figure_reveal(v_height);
    if (reveal < 0.0) discard;
    vec3 n = normalize(v_normal);
    vec3 v = normalize(u_camera_pos.xyz - v_world);
    float rim = 1.0 - abs(dot(n, v));
    rim *= rim;
    float light = 0.45 + 0.55 * max(dot(n, -u_key_dir.xyz), 0.0);
    float scan = 0.8 + 0.2 * sin(v_world.y * 240.0 - u_camera_pos.w * 3.0);
    vec3 core = vec3(0.8, 0.97, 1.0);
    vec3 c = u_color * ((1.0 - v_style.w) * light * v_style.x + rim * v_style.y) * scan + core * v_style.z;
    float a = clamp(v_style.x + rim * v_style.y * 0.4, 0.0, 1.0);
    float beam = (1.0 - step(1.0, u_presence)) * (1.0 - smoothstep(0.0, 0.05, reveal));
    float k = v_fade * u_intensity;
    f_color = vec4(c * k + core * beam, a * v_fade);
}
