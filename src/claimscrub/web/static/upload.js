// Upload with a progress bar (plain XMLHttpRequest); without JavaScript the form posts normally.
(function () {
  var form = document.getElementById("upload");
  if (!form || !window.FormData) return;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var box = document.getElementById("progress");
    var bar = document.getElementById("bar");
    var text = document.getElementById("progress-text");
    var button = form.querySelector("button");
    box.hidden = false;
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "claimscrub-upload");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var pct = Math.round((100 * e.loaded) / e.total);
        bar.value = pct;
        text.textContent = "Uploading… " + pct + "%";
      }
    };
    xhr.upload.onload = function () { bar.removeAttribute("value"); text.textContent = "Checking…"; };
    xhr.onload = function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
      if (xhr.status === 200 && data.url) { window.location.assign(data.url); return; }
      text.textContent = data.error || ("Upload failed (" + xhr.status + ").");
      box.classList.add("failed");
      button.disabled = false;
    };
    xhr.onerror = function () { text.textContent = "Upload failed: the server could not be reached."; button.disabled = false; };
    xhr.send(new FormData(form));
  });
})();
