#version 330 core
#include "common.glsl"
// Dark showroom floor: faint reflections, a glowing grid that fades into the distance.
uniform vec3 u_color;
uniform vec3 u_grid_color;
uniform float u_grid_spacing;
uniform float u_extent;
uniform vec3 u_ambient;  // the environment's light on an upward face, set once per environment

in vec3 v_world;
out vec4 f_color;

void main() {
    vec3 to_eye = u_camera_pos.xyz - v_world;
    float dist = length(to_eye);
    float n_dot_v = max(to_eye.y / dist, 1e-3);
    float fresnel = 0.04 + 0.96 * pow(1.0 - n_dot_v, 5.0);
    // A matte floor reflects the environment at its blurriest: the irradiance map, one lookup.
    vec3 reflected = env_diffuse(vec3(-to_eye.x, to_eye.y, -to_eye.z));
    vec3 color = u_color * u_ambient + reflected * fresnel * 0.35;
    vec2 cell = v_world.xz / u_grid_spacing;
    vec2 width = fwidth(cell);
    vec2 line = abs(fract(cell - 0.5) - 0.5) / max(width, vec2(1e-4));
    float grid = 1.0 - min(min(line.x, line.y), 1.0);
    color += u_grid_color * grid * 0.6 * exp(-dist * 0.12);
    // Melt into the background towards the horizon.
    float fog = 1.0 - exp(-dist * 0.045);
    f_color = vec4(display(mix(color, reflected * u_view.y, fog)), 1.0);
}
