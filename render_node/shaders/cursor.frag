#version 330 core
// A holographic ring with a dot, added on top of the frame: light, never a dark patch.
uniform vec3 u_color;
uniform float u_time;
in vec2 v_local;
out vec4 f_color;
void main() {
    float r = length(v_local);
    float ring = smoothstep(0.12, 0.0, abs(r - 0.72));
    float dot_ = smoothstep(0.26, 0.16, r);
    float glow = 0.25 * smoothstep(1.0, 0.5, r);
    float pulse = 0.8 + 0.2 * sin(u_time * 6.0);
    float a = (ring * pulse + dot_ + glow) * step(r, 1.0);
    f_color = vec4(u_color * a, 0.0);
}
