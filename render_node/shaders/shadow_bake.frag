#version 330 core
// Parts near the ground cast the darkest shadow; blending keeps the darkest per texel.
in float v_height;
out vec4 f_color;
void main() {
    float occ = pow(1.0 - v_height, 3.0);
    f_color = vec4(occ, occ, occ, 1.0);
}
