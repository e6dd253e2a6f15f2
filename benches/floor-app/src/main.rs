//! A hello-world Tauri window and nothing else: the floor of the desktop benchmark.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the floor app starts");
}
