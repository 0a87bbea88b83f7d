from django.urls import path

from annotation.api import items, media, uploads

urlpatterns = [
    path("projects/<int:pk>/uploads/", uploads.UploadCreateView.as_view(), name="upload-create"),
    path("uploads/<uuid:pk>/", uploads.UploadView.as_view(), name="upload-detail"),
    path("streams/<int:pk>/", media.StreamOffsetView.as_view(), name="stream-offset"),
    path("items/<int:pk>/sync-check/", media.ItemSyncCheckView.as_view(), name="item-sync-check"),
    path("items/<int:pk>/", items.ItemDetailView.as_view(), name="item-detail"),
    path("assets/<int:pk>/", media.AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<int:pk>/media", media.AssetMediaView.as_view(), name="asset-media"),
    path("assets/<int:pk>/waveform/", media.WaveformView.as_view(), name="asset-waveform"),
    path("assets/<int:pk>/shots/", media.ShotsView.as_view(), name="asset-shots"),
    path("assets/<int:pk>/frames/", media.FramesView.as_view(), name="asset-frames"),
    path("assets/<int:pk>/derived/<int:derived_id>/<str:name>", media.DerivedFileView.as_view(), name="asset-derived"),
]
