#version 330 core
#include "common.glsl"

// One material, std140; each texture slot carries its KHR_texture_transform rows and UV set.
layout(std140) uniform Material {
    vec4 m_base_color;
    vec4 m_emissive;        // rgb already times emissive strength
    vec4 m_params;          // metallic, roughness, normal scale, occlusion strength
    vec4 m_alpha;           // cutoff, mode (0 opaque, 1 mask, 2 blend), transmission, has normal map
    vec4 m_uv[10];          // per slot: row0.xyz, row1.xyz, row0.w = uv set
};

uniform sampler2D u_base_color_tex;
uniform sampler2D u_metal_rough_tex;
uniform sampler2D u_normal_tex;
uniform sampler2D u_occlusion_tex;
uniform sampler2D u_emissive_tex;

in vec3 v_world;
in vec3 v_normal;
in vec4 v_tangent;
in vec2 v_uv0;
in vec2 v_uv1;
in vec4 v_color;

out vec4 f_color;

vec2 slot_uv(int slot) {
    vec4 r0 = m_uv[slot * 2];
    vec4 r1 = m_uv[slot * 2 + 1];
    vec3 uv = vec3(r0.w > 0.5 ? v_uv1 : v_uv0, 1.0);
    return vec2(dot(r0.xyz, uv), dot(r1.xyz, uv));
}

void main() {
    vec4 base = m_base_color * v_color * texture(u_base_color_tex, slot_uv(0));
    if (m_alpha.y == 1.0 && base.a < m_alpha.x) discard;
    vec4 mr = texture(u_metal_rough_tex, slot_uv(1));
    float metallic = clamp(m_params.x * mr.b, 0.0, 1.0);
    float roughness = clamp(m_params.y * mr.g, 0.04, 1.0);

    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
    if (m_alpha.w > 0.5) {
        vec3 t = normalize(v_tangent.xyz - n * dot(n, v_tangent.xyz));
        vec3 b = cross(n, t) * (v_tangent.w < 0.0 ? -1.0 : 1.0);
        vec3 tn = texture(u_normal_tex, slot_uv(2)).xyz * 2.0 - 1.0;
        tn.xy *= m_params.z;
        n = normalize(mat3(t, b, n) * tn);
    }
    vec3 v = normalize(u_camera_pos.xyz - v_world);
    float n_dot_v = max(dot(n, v), 1e-4);
    vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
    vec3 diffuse_color = base.rgb * (1.0 - metallic);

    // Image-based lighting: SH irradiance for diffuse, prefiltered mips for specular.
    vec2 ab = env_brdf(n_dot_v, roughness);
    vec3 spec_weight = f0 * ab.x + ab.y;
    vec3 r = reflect(-v, n);
    vec3 specular = env_radiance(r, roughness * u_env.w) * spec_weight;
    vec3 diffuse = env_diffuse(n) * diffuse_color * (1.0 - spec_weight);
    float ao = 1.0 + m_params.w * (texture(u_occlusion_tex, slot_uv(3)).r - 1.0);
    diffuse *= ao;
    specular *= ao;

    // Key light: GGX specular + Lambert.
    vec3 l = -u_key_dir.xyz;
    float n_dot_l = dot(n, l);
    if (n_dot_l > 0.0) {
        vec3 h = normalize(l + v);
        float n_dot_h = max(dot(n, h), 0.0);
        float a2 = roughness * roughness * roughness * roughness;
        float dn = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
        float d = a2 / (PI * dn * dn);
        float k = (roughness + 1.0) * (roughness + 1.0) / 8.0;
        float g = n_dot_v / (n_dot_v * (1.0 - k) + k) * n_dot_l / (n_dot_l * (1.0 - k) + k);
        vec3 f = f0 + (1.0 - f0) * pow(1.0 - max(dot(h, v), 0.0), 5.0);
        vec3 light = u_key_color.rgb * u_key_dir.w * n_dot_l;
        diffuse += (1.0 - f) * diffuse_color / PI * light;
        specular += d * g * f / max(4.0 * n_dot_v * n_dot_l, 1e-4) * light;
    }
    vec3 emissive = m_emissive.rgb * texture(u_emissive_tex, slot_uv(4)).rgb;

    // Blend and transmission draw premultiplied: see-through glass keeps its highlights.
    float alpha = (m_alpha.y == 2.0 ? base.a : 1.0) * (1.0 - 0.85 * m_alpha.z);
    f_color = vec4(display(diffuse * alpha + specular + emissive), alpha);
}
