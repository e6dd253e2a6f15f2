//! A hello-world Tauri window and nothing else: the floor of the desktop benchmark.

use std::time::Instant;

/// Called by the page once it has been painted, as the app's `app_ready` is: with MPOS_KEYGEN_BENCH_READY=1
/// it prints `ready <ms>`, so benches/run.sh can time the floor's first paint the same way.
#[tauri::command]
fn ready(started: tauri::State<'_, Instant>) {
    if std::env::var_os("MPOS_KEYGEN_BENCH_READY").is_some_and(|v| v == "1") {
        println!("ready {:.1}", started.elapsed().as_secs_f64() * 1000.0);
    }
}

fn main() {
    let started = Instant::now();
    tauri::Builder::default()
        .manage(started)
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("the floor app starts");
}
