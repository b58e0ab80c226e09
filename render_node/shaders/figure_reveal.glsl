// How far a figure fragment is below the line that rises from the floor while the assistant
// materialises (u_presence 0..1); negative: not there yet. figure.frag and figure_depth.frag must
// cut alike, or the depth pass would hide colour that was never drawn.
uniform float u_presence;
float figure_reveal(float height) {
    return u_presence * 1.75 - height;
}
