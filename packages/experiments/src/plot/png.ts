// SVG -> PNG with resvg (a prebuilt rasterizer from the npm registry; no system libraries).
// Fonts: the system's, so text renders wherever a sans-serif font is installed.

export async function svgToPng(svg: string, width = 1440): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return r.render().asPng();
}
