#version 330 core
#include "common.glsl"
// Full-screen triangle at the far plane; the view direction is linear in screen space when
// kept homogeneous, so the vertex stage computes it and the rasteriser interpolates it.
uniform mat4 u_inv_view_proj;
in vec2 in_position;
out vec3 v_dir;
void main() {
    vec4 far = u_inv_view_proj * vec4(in_position, 1.0, 1.0);
    v_dir = far.xyz - u_camera_pos.xyz * far.w;
    gl_Position = vec4(in_position, 1.0, 1.0);
}
