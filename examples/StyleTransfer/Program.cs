using StyleTransfer;
var img = ImageIO.Load(Path.Combine(AppContext.BaseDirectory, "images", "chelsea.png"), 64);
Console.WriteLine(img.Shape);
ImageIO.SavePng(img, "/tmp/chelsea64.png");
