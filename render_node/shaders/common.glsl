// Shared by every showroom shader: frame uniforms, image-based lighting, tone mapping.
layout(std140) uniform Frame {
    mat4 u_view_proj;
    vec4 u_camera_pos;      // xyz, w = time in seconds
    vec4 u_key_dir;         // xyz toward the scene, w = intensity
    vec4 u_key_color;       // rgb
    vec4 u_env;             // z = intensity, w = max lod of the specular map
    vec4 u_view;            // x = exposure, y = background intensity
};

// The environment's rotation is baked into both maps on the CPU.
uniform sampler2D u_env_map;        // equirectangular, mip k prefiltered for roughness k / max lod
uniform samplerCube u_irradiance;   // irradiance / pi: what a white matte surface facing there shows

const float PI = 3.14159265359;

// A software rasteriser pays for every instruction on every pixel, so these helpers favour
// texture lookups and square roots over transcendental functions and long polynomials.

vec2 equirect_uv(vec3 d) {
    d = normalize(d);
    return vec2(atan(d.x, d.z) * (0.5 / PI) + 0.5, acos(clamp(d.y, -1.0, 1.0)) * (1.0 / PI));
}

vec3 env_radiance(vec3 d, float lod) {
    return textureLod(u_env_map, equirect_uv(d), lod).rgb * u_env.z;
}

vec3 env_diffuse(vec3 n) {
    return texture(u_irradiance, n).rgb * u_env.z;
}

// Karis' analytic fit of the split-sum environment BRDF: no lookup texture needed.
vec2 env_brdf(float n_dot_v, float roughness) {
    const vec4 c0 = vec4(-1.0, -0.0275, -0.572, 0.022);
    const vec4 c1 = vec4(1.0, 0.0425, 1.04, -0.04);
    vec4 r = roughness * c0 + c1;
    float a004 = min(r.x * r.x, exp2(-9.28 * n_dot_v)) * r.x + r.y;
    return vec2(-1.04, 1.04) * a004 + r.zw;
}

// Khronos PBR Neutral: keeps base colours true under bright light, made for product shots.
vec3 tone_map(vec3 color) {
    color *= u_view.x;
    const float start = 0.76;
    const float desat = 0.15;
    float x = min(color.r, min(color.g, color.b));
    float offset = x < 0.08 ? x - 6.25 * x * x : 0.04;
    color -= offset;
    float peak = max(color.r, max(color.g, color.b));
    if (peak < start) return color;
    const float d = 1.0 - start;
    float new_peak = 1.0 - d * d / (peak + d - start);
    color *= new_peak / peak;
    float g = 1.0 - 1.0 / (desat * (peak - new_peak) + 1.0);
    return mix(color, vec3(new_peak), g);
}

// sRGB encoding from three square roots (Ian Taylor's fit, within half a step of 8-bit output).
vec3 to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    vec3 s1 = sqrt(c);
    vec3 s2 = sqrt(s1);
    vec3 s3 = sqrt(s2);
    return clamp(0.662002687 * s1 + 0.684122060 * s2 - 0.323583601 * s3 - 0.0225411470 * c, 0.0, 1.0);
}

vec3 display(vec3 linear) {
    return to_srgb(tone_map(linear));
}
