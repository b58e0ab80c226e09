#version 330 core
// Soft contact shadow under a product, multiplied onto the plinth top.
uniform sampler2D u_shadow;
uniform float u_strength;
in vec2 v_uv;
out vec4 f_color;
void main() {
    float a = texture(u_shadow, v_uv).r * u_strength;
    f_color = vec4(vec3(1.0 - a), 1.0);
}
