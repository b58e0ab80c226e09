#version 330 core
#include "common.glsl"
// The assistant: skinned on the GPU, two bones per vertex, one draw for the whole figure.
uniform mat4 u_model;
uniform mat4 u_bones[18];
uniform vec4 u_style[7];  // per part: fill alpha, rim, white core, darkness
in vec3 in_position;
in vec3 in_normal;
in vec2 in_bones;
in float in_weight;
in float in_part;
in float in_fade;
out vec3 v_world;
out vec3 v_normal;
flat out vec4 v_style;
out float v_fade;
out float v_height;
invariant gl_Position;  // the depth pass and the colour pass must agree to the bit
void main() {
    mat4 skin = u_bones[int(in_bones.x)] * in_weight + u_bones[int(in_bones.y)] * (1.0 - in_weight);
    vec4 world = u_model * (skin * vec4(in_position, 1.0));
    v_world = world.xyz;
    v_normal = mat3(u_model) * (mat3(skin) * in_normal);
    v_style = u_style[int(in_part + 0.5)];
    v_fade = in_fade;
    v_height = in_position.y;
    gl_Position = u_view_proj * world;
}
