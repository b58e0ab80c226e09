#version 330 core
#include "common.glsl"
// The environment, fully blurred and dimmed, tinted toward the brand's deep blue.
in vec3 v_dir;
out vec4 f_color;
void main() {
    float up = v_dir.y * inversesqrt(dot(v_dir, v_dir));
    vec3 tint = mix(vec3(0.004, 0.01, 0.02), vec3(0.01, 0.03, 0.05), clamp(up * 2.0 + 0.5, 0.0, 1.0));
    f_color = vec4(display(env_diffuse(v_dir) * u_view.y + tint), 1.0);
}
